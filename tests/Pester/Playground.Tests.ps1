# The playground (issue 13, item 13): build.ps1 Servers starts the S3 server and Azurite detached,
# with a bucket and a container, ready configs and env files; a newcomer's first commands work
# against them; StopServers stops them. Runs build.ps1 in a child pwsh, as a user would.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Build = Join-Path $PSScriptRoot '../../build.ps1'
    $script:Folder = New-TestFolder 'playground'
    function Invoke-Build([string] $Task) {
        $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $script:Build $Task -NoBuild -PlaygroundFolder $script:Folder 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
    }
    function Test-Listening([int] $Port) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); $true } catch { $false } finally { $client.Dispose() }
    }
}

AfterAll {
    Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue
    Invoke-Build StopServers | Out-Null
    Remove-Item Env:PLAYGROUND_* -ErrorAction SilentlyContinue
    Remove-Item $script:Folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'build.ps1 Servers' {
    BeforeAll {
        $script:Started = Invoke-Build Servers
        $script:State = Get-Content (Join-Path $script:Folder 'servers.json') -Raw | ConvertFrom-Json
    }

    It 'starts both servers, outliving the build, and prints how to try and stop them' {
        $script:Started.ExitCode | Should -Be 0 -Because $script:Started.Output
        $script:Started.Output | Should -Match 'platform-s3\.yaml'
        $script:Started.Output | Should -Match 'platform-azure\.yaml'
        $script:Started.Output | Should -Match 'build\.ps1 StopServers'
        Test-Listening $script:State.S3Port | Should -BeTrue
        Test-Listening $script:State.AzurePort | Should -BeTrue
    }

    It 'writes configs that name variables the env file sets, never the keys themselves' {
        (Get-Content (Join-Path $script:Folder 'platform-azure.yaml') -Raw) | Should -Not -Match 'AccountKey'
        . (Join-Path $script:Folder 'env.ps1')
        $env:PLAYGROUND_S3_ENDPOINT | Should -Be "http://127.0.0.1:$($script:State.S3Port)"
        $env:PLAYGROUND_AZURE_CONNECTION_STRING | Should -Match "127\.0\.0\.1:$($script:State.AzurePort)"
    }

    It 'has a bucket and a container a newcomer can upload to and download from, on <Name>' -ForEach @(
        @{ Name = 's3'; Config = 'platform-s3.yaml' }, @{ Name = 'azure'; Config = 'platform-azure.yaml' }
    ) {
        . (Join-Path $script:Folder 'env.ps1')
        Connect-BronzeStorage -ConfigPath (Join-Path $script:Folder $Config) -Name "pg-$Name"
        $work = New-TestFolder "playground-$Name"
        $file = New-TestFile -Path (Join-Path $work 'src/hello.bin') -Size 5000 -Seed 3
        Send-BronzeFile -Connection "pg-$Name" -Path $file.FullName -Destination 'try/'
        @(Get-BronzeFileList -Connection "pg-$Name" -Prefix 'try/').Path | Should -Be @('try/hello.bin')
        $back = Get-BronzeFile -Connection "pg-$Name" -Path 'try/hello.bin' -Destination (Join-Path $work 'back')
        (Get-FileHash $back.FullName).Hash | Should -Be (Get-FileHash $file.FullName).Hash
    }

    It 'is not started twice: a second Servers reports the running ones' {
        $again = Invoke-Build Servers
        $again.ExitCode | Should -Be 0 -Because $again.Output
        (Get-Content (Join-Path $script:Folder 'servers.json') -Raw | ConvertFrom-Json).S3Pid | Should -Be $script:State.S3Pid
    }

    It 'StopServers stops both and keeps the data' {
        $stopped = Invoke-Build StopServers
        $stopped.ExitCode | Should -Be 0 -Because $stopped.Output
        Test-Listening $script:State.S3Port | Should -BeFalse
        Test-Listening $script:State.AzurePort | Should -BeFalse
        Get-Process -Id $script:State.S3Pid, $script:State.AzurePid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $script:Folder 's3') -Recurse -File).Count | Should -BeGreaterThan 0
    }
}
